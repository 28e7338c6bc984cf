"""What is shown: the session record, results files, baselines, and the report."""
