"""Reference apps, written the way a tutorial would: the ceilings and baselines of the bench."""
