"""The case desk: work accidents and deaths from the report to the benefit paid (issue 21)."""
