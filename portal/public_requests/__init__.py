"""The public request desk (issue #22): anyone raises a complaint, objection, correction or
data-subject request without an account, gets a tracking code, and sees the answer by the
kind's deadline; staff (and the area's RT/RW head) handle them in a queue."""
