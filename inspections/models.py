"""Models of the inspections app (results, review, publication, follow-up, archives)."""
