"""Coverage dashboard, budget and progress reports, the public /stats page, exports."""
