"""Pieces several operations share (not operations themselves): every public module of
ddblite.operations is one API operation.
"""
