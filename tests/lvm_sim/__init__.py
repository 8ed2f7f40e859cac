"""A simulated lvm2 for tests; see lvm_sim.py."""
