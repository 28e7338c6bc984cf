"""deepclaims harness: data, models, training, runs and cache, statistics, and the pytest plugin.

Bump ``__version__`` whenever a change can alter a training result: it is part of every cache key.
"""
__version__ = "0.2.0"
