"""Partner facilities' staff: a patient's cover today, by NIK and name or by KPJ number, and nothing else."""
