"""Open data in and out: Open Referral HSDS 3.0 import, the demo data."""
