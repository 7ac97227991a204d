#!/usr/bin/python3
"""Generates onnx_ml_pb.ts, the ONNX protobuf schema for @bufbuild/protobuf.

Takes onnx-ml.proto's descriptor from Debian's python3-onnx (ONNX 1.12, IR 8), asks
protoc-gen-es (npm @bufbuild/protoc-gen-es, the plugin protoc would run) for TypeScript,
and pins the runtime's npm specifier so the module loads without an import map:

    /usr/bin/python3 src/io/onnx/_gen/make_onnx_pb.py
"""

import os
import subprocess

import onnx.onnx_ml_pb2 as onnx_ml
from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2

VERSION = "2.17.0"
HERE = os.path.dirname(os.path.abspath(__file__))

fd = descriptor_pb2.FileDescriptorProto()
onnx_ml.DESCRIPTOR.CopyToProto(fd)
req = plugin_pb2.CodeGeneratorRequest(file_to_generate=[fd.name], proto_file=[fd])
req.parameter = "target=ts,import_extension=ts"
out = subprocess.run(
    ["npx", "-y", f"@bufbuild/protoc-gen-es@{VERSION}"],
    input=req.SerializeToString(),
    capture_output=True,
    check=True,
).stdout
resp = plugin_pb2.CodeGeneratorResponse()
resp.ParseFromString(out)
if resp.error:
    raise SystemExit(resp.error)
(file,) = resp.file
text = file.content.replace('"@bufbuild/protobuf', f'"npm:@bufbuild/protobuf@{VERSION}')
tmp = os.path.join(HERE, "onnx_ml_pb.ts.tmp")
with open(tmp, "w") as f:
    f.write(text)
os.replace(tmp, os.path.join(HERE, "onnx_ml_pb.ts"))
print(f"wrote onnx_ml_pb.ts ({len(text)} bytes) from {fd.name}")
