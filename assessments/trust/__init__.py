"""Signatures, keys and the checks that content is as signed."""
