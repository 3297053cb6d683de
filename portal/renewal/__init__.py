"""The programme year turning over: renewal runs, re-verification by RT/RW heads, expiry warnings."""
