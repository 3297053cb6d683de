"""Card hand-out by RT/RW heads and agents, and their own results ("Kinerja")."""
