"""Membership cards and certificates: printing, batch print jobs, the print log and the public verify page."""
