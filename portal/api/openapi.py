"""The OpenAPI 3 document of the JSON API, written out by hand and checked by schemathesis."""

from __future__ import annotations

from portal.citizen.services import StatusOutcome

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
_NULLABLE_TEXT = {"type": ["string", "null"]}
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
            "limited per key and per NIK; over the limit the answer is 429 with Retry-After."
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
                    "413": _error_response("The body is too large."),
                    "429": {**_error_response("Too many requests for this key or this NIK."), "headers": _RATE_HEADERS},
                    "503": {
                        **_error_response("The service cannot reach its database for a moment; try again after Retry-After seconds."),
                        "headers": _RATE_HEADERS,
                    },
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
                "description": "A key from `flask --app wsgi apikeys create --name NAME`.",
            }
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
                    "programmes": {"type": "array", "items": {"type": "string", "enum": ["JKK", "JKM", "JHT"]}},
                    "coverage": {
                        "oneOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["starts_on", "ends_on"],
                                "properties": {"starts_on": _DATE, "ends_on": _DATE},
                            },
                        ]
                    },
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
            "Error": _ERROR,
        },
    },
}
