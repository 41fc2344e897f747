"""CrossGuard policy pack; rules in policy.rules."""
