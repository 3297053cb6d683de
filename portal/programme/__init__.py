"""The programme year as a whole: its budget."""
