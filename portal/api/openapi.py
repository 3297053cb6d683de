"""The OpenAPI 3 document of the JSON API, written out by hand and checked by schemathesis."""

from __future__ import annotations

from portal.citizen.services import StatusOutcome
from portal.models import PersonalDataAction, RequestKind, RequestOutcome, RequestState
from portal.public_requests.public_forms import CORRECTIONS, DESCRIPTION_MAX

# Dukcapil's structure: no leading 0, a day of 01-31 (41-71 for women), a month, a serial
# from 0001. Calendar validity (31 February, a date not yet reached) is the server's check.
NIK_PATTERN = (
    r"^[1-9][0-9]{5}(0[1-9]|[12][0-9]|3[01]|4[1-9]|[56][0-9]|7[01])(0[1-9]|1[0-2])[0-9]{2}"
    r"([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])$"
)
# A KTP name holds a Latin letter, and none of what the portal refuses in any text field:
# NUL and bidirectional controls (portal.text; a lone surrogate, refused too, is no JSON Schema text).
_NOT_IN_TEXT = r"\u0000\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
NAME_PATTERN = rf"^[^{_NOT_IN_TEXT}]*[A-Za-z][^{_NOT_IN_TEXT}]*$"
# What a card's QR code says (its verify address) or its typed code: some visible character,
# at most 300 as sent, no NUL or bidirectional control.
CARD_PATTERN = rf"^[^{_NOT_IN_TEXT}]*[^\s\u0000-\u001f\u007f{_NOT_IN_TEXT}][^{_NOT_IN_TEXT}]*$"
KPJ_PATTERN = r"^[0-9]{11}$"
# Any text the portal takes in a text field (portal.forms.text_rule).
TEXT_PATTERN = rf"^[^{_NOT_IN_TEXT}]*$"
_NULLABLE_TEXT = {"type": ["string", "null"]}
_ANY_TEXT = {"type": "string", "description": "Not read for this way of looking up."}
_EMPTY_TEXT = {"type": "string", "maxLength": 0, "description": "Absent or empty for this way of looking up."}
_DATE = {"type": "string", "format": "date"}

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "examples": ["invalid_body"]},
                "message": {"type": "string", "description": "For people, in Indonesian."},
                "fields": {
                    "type": "object",
                    "description": "Per body field, what is wrong with it.",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
                "retry_after": {"type": "integer", "minimum": 1},
            },
        }
    },
}


def _error_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


_RATE_HEADERS = {
    "Retry-After": {"description": "Seconds until the limit resets.", "schema": {"type": "integer"}},
}
_NO_STORE = {"Cache-Control": {"schema": {"type": "string", "const": "no-store"}}}
_UNAVAILABLE = {
    **_error_response("The service cannot reach its database for a moment; try again after Retry-After seconds."),
    "headers": _RATE_HEADERS,
}
_COVERAGE = {
    "oneOf": [
        {"type": "null"},
        {
            "type": "object",
            "required": ["starts_on", "ends_on"],
            "properties": {"starts_on": _DATE, "ends_on": _DATE},
        },
    ]
}
_PROGRAMMES = {"type": "array", "items": {"type": "string", "enum": ["JKK", "JKM", "JHT"]}}

_PATIENT_COVER_PATH = {
    "post": {
        "operationId": "checkPatientCover",
        "summary": "A patient's cover today, for a partner health facility's own system",
        "description": (
            "The check of the facility's look-up page (/rs/cek-pasien) for the facility's "
            "hospital information system. The body names the patient one of three ways, read "
            "in this order: `kpj` (BPJS Ketenagakerjaan's participant number), else `card` "
            "(what the membership card's QR code says), else `nik` and `name` (as on the KTP, "
            "with the tolerant name matching of the status API). An unknown patient, a wrong "
            "name, a revoked card and another site's QR code all get `found: false`. Every call "
            "enters the patient's access history under the facility's name."
        ),
        "security": [{"facilityKey": []}],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PatientLookup"}}},
        },
        "responses": {
            "200": {
                "description": "The cover today; `found` is false when no member matches.",
                "headers": _NO_STORE,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PatientCover"}}},
            },
            "400": _error_response("The body is not one of the three look-ups, or a field is not valid (`fields` says which)."),
            "401": _error_response("The Bearer key is missing, unknown or revoked, or its facility was deactivated."),
            "403": _error_response("The key is not a partner facility's key (the city's keys answer only /api/v1/status)."),
            "413": _error_response("The body is too large."),
            "429": {**_error_response("Too many look-ups for this key."), "headers": _RATE_HEADERS},
            "503": _UNAVAILABLE,
        },
    }
}

OPENAPI_DOCUMENT: dict = {
    "openapi": "3.1.0",
    "info": {
        "title": "Makassar Berjasa status API",
        "version": "1.0.0",
        "description": (
            "Coverage status of a worker in Kota Makassar's BPJS Ketenagakerjaan programme, "
            "for the city's super-app. The NIK and the full name as on the KTP are sent in the "
            "body, never in the URL. An unknown NIK and a known NIK with another name get the "
            "same answer (status `not_found`). Texts for people are in Indonesian. Requests are "
            "limited per key and per NIK; over the limit the answer is 429 with Retry-After. "
            "Partner health facilities check a patient's cover with a facility-scoped key "
            "(`/api/v1/rs/cek-pasien`)."
        ),
    },
    "servers": [{"url": "/"}],
    "security": [{"bearerAuth": []}],
    "paths": {
        "/api/v1/status": {
            "post": {
                "operationId": "checkStatus",
                "summary": "A person's coverage or proposal status",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StatusRequest"}}},
                },
                "responses": {
                    "200": {
                        "description": "The answer; `found` is false when NIK and name do not match a person.",
                        "headers": {"Cache-Control": {"schema": {"type": "string", "const": "no-store"}}},
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StatusAnswer"}}},
                    },
                    "400": _error_response("The body is not a JSON object with a valid `nik` and `name`."),
                    "401": _error_response("The Bearer key is missing, unknown or revoked."),
                    "403": _error_response("The key is a partner facility's key, which answers only /api/v1/rs/cek-pasien."),
                    "413": _error_response("The body is too large."),
                    "429": {**_error_response("Too many requests for this key or this NIK."), "headers": _RATE_HEADERS},
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/api/v1/rs/cek-pasien": _PATIENT_COVER_PATH,
        "/api/v1/permintaan": {
            "post": {
                "operationId": "submitRequest",
                "summary": "Submit a request to the public request desk for a citizen",
                "description": (
                    "The same checks as the public form at /permintaan: a kind, the NIK and name of the "
                    "person it is about (required when the request is about the requester), the "
                    "kelurahan and RW, a contact phone (optional only for an objection), a description "
                    "of at least REQUEST_DESCRIPTION_MIN_CHARS characters in a few words. The answer is "
                    "the same whether or not the NIK is in the registry. Show the code to the citizen "
                    "once; it is not stored and cannot be read again."
                ),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RequestSubmission"}}},
                },
                "responses": {
                    "201": {
                        "description": "Received: the tracking code and the deadlines.",
                        "headers": _NO_STORE,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RequestReceived"}}},
                    },
                    "400": _error_response("The body is not a valid request (`fields` says what is wrong)."),
                    "401": _error_response("The Bearer key is missing, unknown or revoked."),
                    "403": _error_response("The key is a partner facility's key."),
                    "413": _error_response("The body is too large."),
                    "429": {**_error_response("Too many requests for this key or this NIK."), "headers": _RATE_HEADERS},
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/api/v1/permintaan/lacak": {
            "post": {
                "operationId": "trackRequest",
                "summary": "A request's state, deadline, public timeline and answer, by its tracking code",
                "description": (
                    "The code (and, for a request about the requester, their NIK) in the body, never in "
                    "the URL. A wrong code and a right code with a wrong NIK both answer `found: false`."
                ),
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RequestTracking"}}},
                },
                "responses": {
                    "200": {
                        "description": "The request, or `found: false`.",
                        "headers": _NO_STORE,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TrackedRequest"}}},
                    },
                    "400": _error_response("The body is not a JSON object with a `code`."),
                    "401": _error_response("The Bearer key is missing, unknown or revoked."),
                    "403": _error_response("The key is a partner facility's key."),
                    "413": _error_response("The body is too large."),
                    "429": {**_error_response("Too many requests for this key or this NIK."), "headers": _RATE_HEADERS},
                    "503": _UNAVAILABLE,
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "openapiDocument",
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}}},
            }
        },
    },
    "components": {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "A key of the city's own clients: `flask --app wsgi apikeys create --name NAME`.",
            },
            "facilityKey": {
                "type": "http",
                "scheme": "bearer",
                "description": (
                    "A partner facility's key, scoped to that facility: `flask --app wsgi apikeys create "
                    "--name NAME --facility \"FACILITY NAME\"`. Revoked with `apikeys revoke NAME`; it "
                    "stops working when the facility is deactivated."
                ),
            },
        },
        "schemas": {
            "StatusRequest": {
                "type": "object",
                "required": ["nik", "name"],
                "properties": {
                    "nik": {
                        "type": "string",
                        "pattern": NIK_PATTERN,
                        "description": (
                            "The 16-digit NIK: issuing kecamatan, birth date DDMMYY (day + 40 for "
                            "women), serial from 0001. A NIK that breaks these rules (also an "
                            "impossible date such as 31 February) gets 400."
                        ),
                        "examples": ["7371011302850003"],
                    },
                    "name": {
                        "type": "string",
                        "maxLength": 120,
                        "pattern": NAME_PATTERN,
                        "description": (
                            "Full name as on the KTP; titles and degrees may be written or left out "
                            "(Hj., dr., S.Pd.), common abbreviations are read as the full name (Muh., "
                            "Abd., St., Dg., a leading A. for Andi), and case, spaces, punctuation, "
                            "doubled letters and one slip in a long word are tolerated. A different "
                            "given or family name is not found."
                        ),
                        "examples": ["Budi Santoso"],
                    },
                },
            },
            "StatusAnswer": {
                "type": "object",
                "required": [
                    "found", "status", "title", "explanation", "name_masked", "kelurahan", "kecamatan",
                    "programmes", "coverage", "submitted_on", "reason", "card", "next_step",
                ],
                "additionalProperties": False,
                "properties": {
                    "found": {"type": "boolean"},
                    "status": {
                        "type": "string",
                        "enum": [outcome.value for outcome in StatusOutcome],
                        "description": (
                            "active: covered now; pending: proposed, being verified; returned: sent "
                            "back to the RT/RW head; rejected: not approved; ended / expired: no "
                            "longer covered; not_found: no match for this NIK and name."
                        ),
                    },
                    "title": {"type": "string"},
                    "explanation": {"type": "string"},
                    "name_masked": {**_NULLABLE_TEXT, "examples": ["Bu** Sa*****"]},
                    "kelurahan": _NULLABLE_TEXT,
                    "kecamatan": _NULLABLE_TEXT,
                    "programmes": _PROGRAMMES,
                    "coverage": _COVERAGE,
                    "submitted_on": {"oneOf": [{"type": "null"}, _DATE]},
                    "reason": {
                        "oneOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["code", "label"],
                                "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
                            },
                        ]
                    },
                    "card": {**_NULLABLE_TEXT, "description": "How to get the membership card (active only)."},
                    "next_step": {"type": "string"},
                },
            },
            "PatientLookup": {
                "oneOf": [
                    {"$ref": "#/components/schemas/KpjLookup"},
                    {"$ref": "#/components/schemas/CardLookup"},
                    {"$ref": "#/components/schemas/NikLookup"},
                ]
            },
            "KpjLookup": {
                "type": "object",
                "required": ["kpj"],
                "properties": {
                    "kpj": {
                        "type": "string",
                        "pattern": KPJ_PATTERN,
                        "description": "The 11-digit KPJ number on the card; spaces, dots and dashes between digits are ignored.",
                        "examples": ["12345678901"],
                    },
                    "card": _ANY_TEXT,
                    "nik": _ANY_TEXT,
                    "name": _ANY_TEXT,
                },
            },
            "CardLookup": {
                "type": "object",
                "required": ["card"],
                "properties": {
                    "card": {
                        "type": "string",
                        "maxLength": 300,
                        "pattern": CARD_PATTERN,
                        "description": (
                            "What the card's QR code says (the portal's verify address, ending in "
                            "/v/CODE), or the code alone. Anything else is not found."
                        ),
                        "examples": ["https://berjasa.makassarkota.go.id/v/3q2-7wHVdM0lFEuB4ivDxA"],
                    },
                    "kpj": _EMPTY_TEXT,
                    "nik": _ANY_TEXT,
                    "name": _ANY_TEXT,
                },
            },
            "NikLookup": {
                "type": "object",
                "required": ["nik", "name"],
                "properties": {
                    "nik": {"$ref": "#/components/schemas/StatusRequest/properties/nik"},
                    "name": {"$ref": "#/components/schemas/StatusRequest/properties/name"},
                    "kpj": _EMPTY_TEXT,
                    "card": _EMPTY_TEXT,
                },
            },
            "PatientCover": {
                "type": "object",
                "required": ["found", "covered", "name_masked", "programmes", "coverage", "as_of"],
                "additionalProperties": False,
                "properties": {
                    "found": {"type": "boolean"},
                    "covered": {
                        "type": "boolean",
                        "description": "An active membership whose period holds today (Makassar time).",
                    },
                    "name_masked": {**_NULLABLE_TEXT, "examples": ["Mu** Il***"]},
                    "programmes": _PROGRAMMES,
                    "coverage": _COVERAGE,
                    "as_of": {"type": "string", "format": "date-time"},
                },
            },
            "RequestSubmission": {
                "type": "object",
                "required": ["kind", "description", "kelurahan_code", "rw"],
                "properties": {
                    "kind": {"type": "string", "enum": [kind.value for kind in RequestKind]},
                    "description": {"type": "string", "minLength": 20, "maxLength": DESCRIPTION_MAX,
                                    "description": "What happened, in a few words (not one repeated character)."},
                    "kelurahan_code": {"type": "string", "pattern": "^7371[0-9]{6}$", "examples": ["7371011004"]},
                    "rw": {"type": "integer", "minimum": 1, "maximum": 999},
                    "rt": {"type": ["integer", "null"], "minimum": 1, "maximum": 999},
                    "subject_nik": {"type": ["string", "null"], "description": "As StatusRequest's nik; required for rejected, data_wrong, card_missing and personal_data."},
                    "subject_name": {"type": ["string", "null"], "maxLength": 120, "description": "Required for every kind but other."},
                    "requester_name": {"type": ["string", "null"], "maxLength": 120, "description": "Required where the request is not about the requester, except an objection."},
                    "requester_phone": {"type": ["string", "null"], "maxLength": 20, "examples": ["081234567890"],
                                        "description": "An Indonesian mobile number; optional only for an objection."},
                    "data_action": {"type": ["string", "null"], "enum": [action.value for action in PersonalDataAction] + [None],
                                    "description": "Required for personal_data."},
                    "proposed_changes": {
                        "type": ["object", "null"],
                        "description": "For data_wrong (at least one): the correct values; birth_date as YYYY-MM-DD.",
                        "properties": {name: {"type": "string"} for name in CORRECTIONS},
                        "additionalProperties": False,
                    },
                },
            },
            "RequestReceived": {
                "type": "object",
                "required": ["code", "kind", "due_at", "acknowledge_due_at", "next_step"],
                "additionalProperties": False,
                "properties": {
                    "code": {"type": "string", "pattern": "^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"},
                    "kind": {"type": "string", "enum": [kind.value for kind in RequestKind]},
                    "due_at": {"type": "string", "format": "date-time"},
                    "acknowledge_due_at": {"oneOf": [{"type": "null"}, {"type": "string", "format": "date-time"}]},
                    "next_step": {"type": "string"},
                },
            },
            "RequestTracking": {
                "type": "object",
                "required": ["code"],
                "properties": {
                    "code": {"type": "string", "minLength": 1, "maxLength": 30, "pattern": TEXT_PATTERN, "examples": ["7KQ2-M9XD-4RTA"],
                             "description": "Spaces, dashes and case are forgiven; O, I and L read as 0, 1, 1."},
                    "nik": {"type": ["string", "null"], "maxLength": 16, "pattern": "^[0-9]*$",
                            "description": "Required for a request about the requester."},
                },
            },
            "TrackedRequest": {
                "type": "object",
                "required": ["found"],
                "additionalProperties": False,
                "properties": {
                    "found": {"type": "boolean"},
                    "kind": {"type": "string", "enum": [kind.value for kind in RequestKind]},
                    "kind_label": {"type": "string"},
                    "state": {"type": "string", "enum": [state.value for state in RequestState]},
                    "state_label": {"type": "string"},
                    "received_at": {"type": "string", "format": "date-time"},
                    "due_at": {"type": "string", "format": "date-time"},
                    "answer": _NULLABLE_TEXT,
                    "outcome": {"type": ["string", "null"], "enum": [outcome.value for outcome in RequestOutcome] + [None]},
                    "outcome_label": _NULLABLE_TEXT,
                    "timeline": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["at", "state", "state_label", "note"],
                            "properties": {
                                "at": {"type": "string", "format": "date-time"},
                                "state": {"type": ["string", "null"]},
                                "state_label": _NULLABLE_TEXT,
                                "note": _NULLABLE_TEXT,
                            },
                        },
                    },
                },
            },
            "Error": _ERROR,
        },
    },
}
