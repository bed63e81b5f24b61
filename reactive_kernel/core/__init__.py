"""Pure core: no I/O, no zmq, no ipykernel, no sqlalchemy."""
