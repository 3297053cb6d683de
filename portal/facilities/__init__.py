"""Partner health facilities: the list admins keep, shown on /bantuan, and their hospital accounts."""
