"""Vendors: registry, routing, the vendor portal, deliveries, the clock and scorecards."""
