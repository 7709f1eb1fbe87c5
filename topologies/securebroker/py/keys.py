"""CURVE keys of the secured broker example, read as the generated nodes
read them: from a directory that zmqgen keys wrote (NODE.key, public, and
NODE.key_secret), in the certificate format pyzmq's zmq.auth reads."""

import os

import zmq.auth


def client(socket, keys, node, server_node="broker"):
    """Make socket a CURVE client of server_node with node's key pair."""
    public, secret = zmq.auth.load_certificate(os.path.join(keys, node + ".key_secret"))
    server_public, _ = zmq.auth.load_certificate(os.path.join(keys, server_node + ".key"))
    socket.curve_publickey = public
    socket.curve_secretkey = secret
    socket.curve_serverkey = server_public


def server(socket, keys, node):
    """Make socket a CURVE server with node's key pair."""
    public, secret = zmq.auth.load_certificate(os.path.join(keys, node + ".key_secret"))
    socket.curve_publickey = public
    socket.curve_secretkey = secret
    socket.curve_server = True
