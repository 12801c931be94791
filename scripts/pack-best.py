#!/usr/bin/env python3
"""Packs the best checkpoints of a device run for the trip back (scripts/plans/omniglot13d.json):
    python3 pack-best.py OUT_DIR
For every run directory under OUT_DIR with checkpoints/best.safetensors, rewrites that file without the
optimizer's state (the tensors named optimizer.* and encoder_optimizer.*; `metarnn eval` needs only the
weights), then tars each group of runs (the name before the first '-') with their config.json into
OUT_DIR/<group>.tar and removes the run directories, so that a few files come back instead of many."""
import json, os, shutil, struct, sys, tarfile

out = sys.argv[1]


def strip(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    kept, parts, at = {}, [], 0
    for name, t in header.items():
        if name == '__metadata__' or name.split('.')[0] in ('optimizer', 'encoder_optimizer'):
            continue
        a, b = t['data_offsets']
        parts.append(data[a:b])
        kept[name] = {**t, 'data_offsets': [at, at + b - a]}
        at += b - a
    if '__metadata__' in header:
        kept['__metadata__'] = header['__metadata__']
    text = json.dumps(kept, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path + '.tmp', 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(parts))
    os.replace(path + '.tmp', path)


groups = {}
for d in sorted(os.listdir(out)):
    best = os.path.join(out, d, 'checkpoints', 'best.safetensors')
    if os.path.isfile(best):
        strip(best)
        groups.setdefault(d.split('-')[0], []).append(d)
for g, dirs in groups.items():
    with tarfile.open(os.path.join(out, g + '.tar'), 'w') as t:
        for d in dirs:
            for f in ('config.json', 'checkpoints/best.safetensors'):
                if os.path.isfile(os.path.join(out, d, f)):
                    t.add(os.path.join(out, d, f), arcname=os.path.join(d, f))
    for d in dirs:
        shutil.rmtree(os.path.join(out, d))
    print(g, dirs, os.path.getsize(os.path.join(out, g + '.tar')))
