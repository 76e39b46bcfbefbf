"""Campaigns that bring customers back (issue 19): who a campaign targets, the holdout that receives nothing, and
the campaign's measured effect against it."""
