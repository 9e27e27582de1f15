"""Potential access: derive what a principal could reach from the inventory graph and the IAM engine."""
