"""Life after the advice: the conditions of a signed advice, followed up with evidence."""
