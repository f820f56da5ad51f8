"""
The dashboard's reads, one module per page (common: what several pages
share). Each returns what its page shows in a fixed number of queries,
however many rows there are.
"""
