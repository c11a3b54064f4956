#!/usr/bin/python3
"""Both examples against a server with TLS and API keys.

The certificates (a CA and a server certificate for 127.0.0.1) are made with
the openssl CLI at test time. The shop is loaded with an admin key; the Node
storefront uses a frontend key (recommend and track only) and the Python
consumer a marketing key, each given as PERSONA_API_KEY with PERSONA_TLS_CA,
as a shop's deployment would. A storefront without a key must be refused
(UNAUTHENTICATED), and still render its page. PERSONA_SERVER_BIN names the
server binary.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import grpc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402  pylint: disable=wrong-import-position
import node_example_test  # noqa: E402  pylint: disable=wrong-import-position
import python_example_test  # noqa: E402  pylint: disable=wrong-import-position

KEYS = {"admin": "admin-secret-0123456789", "storefront": "frontend-secret-0123456789",
        "mailer": "marketing-secret-0123456789"}
ROLES = {"admin": "ADMIN", "storefront": "FRONTEND", "mailer": "MARKETING"}


def make_certificates(directory):
    """Writes ca.pem, server.pem and server.key; raises CalledProcessError."""
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=persona-examples-test-ca")
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(directory, "san.ext"), "w", encoding="ascii") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext")


def write_config(directory):
    keys = "".join(
        f'  api_keys {{ id: "{name}" sha256: "{hashlib.sha256(secret.encode()).hexdigest()}" '
        f'role: {ROLES[name]} shops: "*" }}\n' for name, secret in KEYS.items())
    path = os.path.join(directory, "persona.textproto")
    with open(path, "w", encoding="ascii") as f:
        f.write(f'security {{\n{keys}  tls {{ cert_file: "{directory}/server.pem" '
                f'key_file: "{directory}/server.key" }}\n}}\n')
    return path


class _AdminKey(grpc.AuthMetadataPlugin):
    def __call__(self, context, callback):
        callback((("x-api-key", KEYS["admin"]),), None)


class SecuredServerTest(harness.ShopServerTestMixin, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="persona-examples-tls-")
        make_certificates(cls.certs)
        cls.ca = os.path.join(cls.certs, "ca.pem")
        cls.server_args = (f"--config={write_config(cls.certs)}",)
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        shutil.rmtree(cls.certs, ignore_errors=True)

    @classmethod
    def server_credentials(cls):
        with open(cls.ca, "rb") as f:
            tls = grpc.ssl_channel_credentials(f.read())
        return grpc.composite_channel_credentials(tls, grpc.metadata_call_credentials(_AdminKey()))

    def env(self, key):
        return {"PERSONA_TLS_CA": self.ca, "PERSONA_API_KEY": KEYS[key] if key else ""}

    def test_storefront_with_frontend_key_over_tls(self):
        result = harness.run(
            [node_example_test.node(), node_example_test.STOREFRONT,
             f"--address={self.server.address}", "--customer=c006", "--product=sku-102",
             "--click=first", "--format=json", f"--deadline-ms={node_example_test.DEADLINE_MS}"],
            env=self.env("storefront"))
        self.assertEqual(result.returncode, 0, result.stderr)
        visit = json.loads(result.stdout)
        self.assertEqual(visit["errors"], [])
        self.assertEqual(len(visit["placements"]), 2)
        self.assertEqual([t["type"] for t in visit["tracked"]],
                         ["PRODUCT_VIEW", "RECOMMENDATION_IMPRESSION",
                          "RECOMMENDATION_IMPRESSION", "RECOMMENDATION_CLICK"])
        stub = self.pb.customers_pb2_grpc.CustomerServiceStub(self.server.channel)
        profile = stub.GetProfile(self.pb.customers_pb2.GetProfileRequest(
            customer_id="c006", recent_events=50))
        stored = {e.event.event_id for e in profile.recent_events}
        self.assertTrue({t["event_id"] for t in visit["tracked"]} <= stored)

    def test_storefront_without_key_is_refused_and_renders_without(self):
        result = harness.run(
            [node_example_test.node(), node_example_test.STOREFRONT,
             f"--address={self.server.address}", "--customer=c006", "--product=sku-102",
             f"--deadline-ms={node_example_test.DEADLINE_MS}"], env=self.env(None))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("RecommendPage failed: UNAUTHENTICATED", result.stderr)
        self.assertIn("no recommendations", result.stdout)

    def test_consumer_with_marketing_key_over_tls(self):
        out = os.path.join(self.certs, "mail.csv")
        cmd = [python_example_test.PYTHON, python_example_test.CONSUMER,
               f"--address={self.server.address}", "--campaign-id=tls-news",
               "--type=NEWSLETTER", f"--segment={python_example_test.SEGMENT}",
               f"--out={out}", f"--stubs={self.stubs_dir}"]
        result = harness.run(cmd, env=self.env("mailer"))
        self.assertEqual(result.returncode, 0, result.stderr)
        report = json.loads(result.stdout)
        self.assertTrue(report["complete"])
        self.assertGreater(report["emails"], 10)
        # The frontend key may not run campaigns.
        os.remove(out)
        os.remove(out + ".state.json")
        result = harness.run(cmd, env=self.env("storefront"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("RunCampaign failed: PERMISSION_DENIED", result.stderr)


if __name__ == "__main__":
    unittest.main()
