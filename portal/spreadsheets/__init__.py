"""Reading uploaded spreadsheets safely: shared by member lists, DTSEN and BPJS imports."""
