#!/usr/bin/env python3
"""Fixtures for running aurora-gitops against a local moto server.

  moto-fixture.py start DIR           start moto on a free loopback port; writes
                                      DIR/moto.port and DIR/moto.pid, waits until ready
  moto-fixture.py network URL         create a VPC, three subnets and a security
                                      group; print them as JSON
  moto-fixture.py render URL SRC DST  copy the manifests in SRC to DST with the
                                      example subnet and security group ids replaced
                                      by real ones from `network`

Only loopback addresses are used. The caller stops moto by the pid it wrote.
"""
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request


def client(url, service):
    import boto3
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def start(workdir):
    os.makedirs(workdir, exist_ok=True)
    for _ in range(3):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        log = open(os.path.join(workdir, "moto.log"), "w")
        server = os.path.join(os.path.dirname(os.path.abspath(__file__)), "moto-server.py")
        proc = subprocess.Popen([sys.executable, server, "-H", "127.0.0.1",
                                 "-p", str(port)], stdout=log, stderr=log, cwd=workdir,
                                start_new_session=True)
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1)
                with open(os.path.join(workdir, "moto.port"), "w") as f:
                    f.write(f"{port}\n")
                with open(os.path.join(workdir, "moto.pid"), "w") as f:
                    f.write(f"{proc.pid}\n")
                print(port)
                return 0
            except Exception:
                if proc.poll() is not None:
                    break
                time.sleep(0.1)
        proc.kill()
        proc.wait()
    print("moto did not start; see moto.log", file=sys.stderr)
    return 1


def network(url):
    """Name tags as manifests/references.yaml names them (main-vpc,
    private-a/b/c, app-clients)."""
    ec2 = client(url, "ec2")

    def name(rid, value):
        ec2.create_tags(Resources=[rid], Tags=[{"Key": "Name", "Value": value}])

    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    name(vpc, "main-vpc")
    subnets = []
    for i, az in enumerate(["us-east-1a", "us-east-1b", "us-east-1c"]):
        sn = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=az)
        subnets.append(sn["Subnet"]["SubnetId"])
        name(subnets[-1], "private-" + "abc"[i])
    sg = ec2.create_security_group(GroupName="app-clients", Description="application hosts",
                                   VpcId=vpc)["GroupId"]
    name(sg, "app-clients")
    return {"vpc": vpc, "subnets": subnets, "security_group": sg}


def render(url, src, dst):
    net = network(url)
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith((".yaml", ".yml")):
            continue
        text = open(os.path.join(src, name)).read()
        seen = {}

        def subnet(m):
            sid = m.group(0)
            if sid not in seen:
                seen[sid] = net["subnets"][len(seen) % len(net["subnets"])]
            return seen[sid]

        text = re.sub(r"subnet-[0-9a-f]{8,17}", subnet, text)
        text = re.sub(r"sg-[0-9a-f]{8,17}", net["security_group"], text)
        text = re.sub(r"vpc-[0-9a-f]{8,17}", net["vpc"], text)
        with open(os.path.join(dst, name), "w") as f:
            f.write(text)
    json.dump(net, sys.stdout)
    print()
    return 0


def main(argv):
    if len(argv) >= 2 and argv[0] == "start":
        return start(argv[1])
    if len(argv) >= 2 and argv[0] == "network":
        json.dump(network(argv[1]), sys.stdout)
        print()
        return 0
    if len(argv) >= 4 and argv[0] == "render":
        return render(argv[1], argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
