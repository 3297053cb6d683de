"""Help for citizens: the help page (/bantuan), the help desk's contacts and benefit amounts
(settings an admin edits), and finding the RT/RW heads of an area."""
