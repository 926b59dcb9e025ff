"""The common equivalency model and the queries over it: pure Python.

Nothing here imports sqlmodel, grpc, aiokafka or generated protobuf code; the
store, the ingest and the API translate to and from these types at their edges.
"""
