"""Generates and imports Persona's Python gRPC stubs.

The stubs are never committed: they are generated from the repository's
proto/ directory with Debian's protoc and grpc_python_plugin
(protobuf-compiler-grpc), which match Debian's python3-protobuf and
python3-grpcio, into a directory of the caller's choice (a build directory,
or a temporary one that lives as long as the process).

Not thread-safe: call load() once at start-up.
"""

import atexit
import glob
import importlib
import os
import shutil
import subprocess
import sys
import tempfile

_HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO_DIR = os.path.normpath(os.path.join(_HERE, "..", "..", "proto"))
MODULES = ("common", "recommend", "events", "customers", "catalog",
           "segments", "campaigns", "admin")


def generate(out_dir, proto_dir=DEFAULT_PROTO_DIR,
             protoc="protoc", plugin="/usr/bin/grpc_python_plugin"):
    """Writes persona/v1/*_pb2.py and *_pb2_grpc.py under out_dir.

    Raises RuntimeError with protoc's message when generation fails.
    """
    protos = sorted(os.path.relpath(p, proto_dir) for p in
                    glob.glob(os.path.join(proto_dir, "persona", "v1", "*.proto")))
    if not protos:
        raise RuntimeError(f"no persona/v1/*.proto under {proto_dir}")
    os.makedirs(out_dir, exist_ok=True)
    cmd = [protoc, f"-I{proto_dir}", f"--python_out={out_dir}",
           f"--grpc_python_out={out_dir}",
           f"--plugin=protoc-gen-grpc_python={plugin}"] + protos
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"protoc failed: {result.stderr.strip()}")


def load(stubs_dir=None, proto_dir=DEFAULT_PROTO_DIR):
    """Returns a namespace of the persona.v1 modules (pb.campaigns_pb2, ...).

    Uses stubs_dir when it already holds generated stubs, generates them
    there when it does not, and without stubs_dir generates them into a
    temporary directory removed at exit.
    """
    if stubs_dir is None:
        stubs_dir = tempfile.mkdtemp(prefix="persona-stubs-")
        atexit.register(shutil.rmtree, stubs_dir, True)
    marker = os.path.join(stubs_dir, "persona", "v1", "campaigns_pb2_grpc.py")
    if not os.path.exists(marker):
        generate(stubs_dir, proto_dir)
    if stubs_dir not in sys.path:
        sys.path.insert(0, stubs_dir)

    class Stubs:  # pylint: disable=too-few-public-methods
        """The generated modules as attributes."""

    stubs = Stubs()
    for name in MODULES:
        setattr(stubs, f"{name}_pb2",
                importlib.import_module(f"persona.v1.{name}_pb2"))
        setattr(stubs, f"{name}_pb2_grpc",
                importlib.import_module(f"persona.v1.{name}_pb2_grpc"))
    return stubs
