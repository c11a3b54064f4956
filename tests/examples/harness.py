"""Runs the real persona-server for the example tests and talks to it.

ServerProcess starts the binary on a free port (port 0, read back from its
port file) with a temporary data directory; the examples then run against it
as separate processes, the way a shop would run them. Nothing here sleeps to
synchronize: start-up waits for the port file and for the channel to connect.

Not thread-safe; one ServerProcess per test class.
"""

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import grpc

SOURCE_DIR = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "examples", "python"))
import persona_stubs  # noqa: E402  pylint: disable=wrong-import-position

START_TIMEOUT_S = 60
PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """Runs in the child before exec: a test killed by ctest's timeout must
    not leave its server running."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class ServerProcess:
    """The persona-server binary on 127.0.0.1:<free port>."""

    def __init__(self, binary, extra_args=(), credentials=None):
        """`credentials`: grpc.ChannelCredentials of `channel` (None: plaintext)."""
        self.binary = binary
        self.credentials = credentials
        self.extra_args = list(extra_args)
        self.workdir = tempfile.mkdtemp(prefix="persona-examples-")
        self.data_dir = os.path.join(self.workdir, "data")
        self.port = 0
        self.proc = None
        self.channel = None

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def start(self, port=0):
        """Starts the server (on `port`, 0 = a free one); raises on failure."""
        port_file = os.path.join(self.workdir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        log = open(os.path.join(self.workdir, "server.log"), "ab")  # pylint: disable=consider-using-with
        self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
            [self.binary, f"--listen=127.0.0.1:{port}", f"--data_dir={self.data_dir}",
             f"--port_file={port_file}", "--log_format=text"] + self.extra_args,
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"persona-server exited during start-up: {self.log_tail()}")
            try:
                with open(port_file, encoding="ascii") as f:
                    self.port = int(f.read().strip() or 0)
            except (OSError, ValueError):
                self.port = 0
            if self.port > 0:
                break
            time.sleep(0.02)  # polling the port file, not synchronizing on time
        if self.port <= 0:
            raise RuntimeError("persona-server did not write its port file in time")
        if self.credentials is None:
            self.channel = grpc.insecure_channel(self.address)
        else:
            self.channel = grpc.secure_channel(self.address, self.credentials)
        grpc.channel_ready_future(self.channel).result(timeout=START_TIMEOUT_S)

    def kill(self):
        """Stops the process at once (SIGKILL), as a crash would."""
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def stop(self):
        """Stops the server and removes its data."""
        self.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, lines=20):
        try:
            with open(os.path.join(self.workdir, "server.log"), encoding="utf-8",
                      errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


def run(cmd, env=None, timeout=120, cwd=None):
    """Runs an example; returns the CompletedProcess (text stdout/stderr)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, env=full_env,
                          timeout=timeout, cwd=cwd, check=False)


class ShopServerTestMixin:
    """setUpClass/tearDownClass for a unittest.TestCase: a server with the shop.

    Sets cls.server, cls.pb (generated stubs) and cls.stubs_dir; subclasses may
    set cls.server_args.
    """

    server_args = ()

    @classmethod
    def server_credentials(cls):
        """The test's channel credentials (None: plaintext); called after the stubs load."""
        return None

    @classmethod
    def setUpClass(cls):  # pylint: disable=invalid-name
        import shop_data  # pylint: disable=import-outside-toplevel
        binary = os.environ.get("PERSONA_SERVER_BIN")
        if not binary:
            raise RuntimeError("PERSONA_SERVER_BIN names the persona-server binary")
        cls.stubs_dir = tempfile.mkdtemp(prefix="persona-example-stubs-")
        cls.pb = persona_stubs.load(cls.stubs_dir)
        cls.server = ServerProcess(binary, cls.server_args, cls.server_credentials())
        cls.server.start()
        shop_data.load(cls.pb, cls.server.channel)

    @classmethod
    def tearDownClass(cls):  # pylint: disable=invalid-name
        cls.server.stop()
        shutil.rmtree(cls.stubs_dir, ignore_errors=True)
