"""Kinerja: what agents and RT/RW heads proposed and what became of it, counted, never paid."""
