"""The deepclaims plugin is not loaded here: the installed package registers it as a pytest11
entry point (``pip install -e .``), for this repository and for any lab's own claims alike."""
