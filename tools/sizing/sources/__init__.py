"""Where measurements come from, behind one interface (as pip-tools keeps its package indexes behind one).

Today: a JSON file (`--measurements FILE`). Next: running the built function at each memory size
under the local stack's compute model; the CLI and the model do not change when it arrives.
"""
