#!/usr/bin/env python3
"""Writes test/fixtures/spec_events.json: the facts the conformance test
needs from the Scalekit API description, and nothing else (no prose).

  scripts/gen_spec_fixture.py [path/to/scalekit.scalar.json]

For every webhook type: its object, whether the envelope carries
organization_id, the display name (summary), and the JSON type tree of the
example's `data`.  Also the ScalekitEvent envelope schema stripped to its
validation keywords, with the connected_account types and the
ConnectedAccount object the schema's enums forgot added back.
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    ROOT, '..', 'shared', 'spec', 'scalekit.scalar.json')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'spec_events.json')
KEEP = {'type', 'required', 'properties', 'pattern', 'enum', 'format',
        'minLength', 'maxLength', 'additionalProperties'}
# not in the spec's webhooks section: added by the API since (see DESIGN.md)
EXTRA_TYPES = {
    'connected_account.status_updated': {
        'like': 'connected_account.updated', 'extra_data': {'old_status': 'string'},
        'display_name': 'Connected Account Status Updated'},
}


def type_tree(value):
    """The JSON type of a value; objects and arrays recursively."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, list):
        return {'array': type_tree(value[0]) if value else None}
    return {'object': {k: type_tree(v) for k, v in value.items()}}


def strip(schema):
    """A schema reduced to validation keywords."""
    if isinstance(schema, dict):
        out = {}
        for k, v in schema.items():
            if k == 'properties':
                out[k] = {p: strip(s) for p, s in v.items()}
            elif k in KEEP:
                out[k] = strip(v)
        return out
    if isinstance(schema, list):
        return [strip(s) for s in schema]
    return schema


def main():
    spec = json.load(open(SPEC))
    types = {}
    for name, hook in spec['webhooks'].items():
        post = hook['post']
        example = post['requestBody']['content']['application/json']['example']
        types[name] = {
            'object': example['object'],
            'organization_id': 'organization_id' in example,
            # what Scalekit sends where the example shows it, else the summary
            'display_name': example.get('display_name', post['summary']),
            'data': type_tree(example['data']),
        }
    for name, extra in EXTRA_TYPES.items():
        base = json.loads(json.dumps(types[extra['like']]))
        base['data']['object'].update(extra['extra_data'])
        base['display_name'] = extra['display_name']
        types[name] = base
    envelope = strip(spec['components']['schemas']['ScalekitEvent'])
    props = envelope['properties']
    props['type']['enum'] = sorted(set(props['type']['enum']) | set(types))
    props['object']['enum'] = sorted(set(props['object']['enum']) |
                                     {t['object'] for t in types.values()})
    fixture = {
        'generated_by': 'scripts/gen_spec_fixture.py',
        # maps of the customer's own keys: their example keys are samples
        'free_form': ['metadata', 'custom_attributes', 'raw_attributes', 'address', 'api_config'],
        'source': 'scalekit.scalar.json, webhooks and components.schemas.ScalekitEvent',
        'envelope_key_order': ['spec_version', 'id', 'type', 'object', 'occurred_at',
                               'environment_id', 'organization_id', 'data', 'display_name'],
        'envelope_schema': envelope,
        'types': dict(sorted(types.items())),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f, indent=1, sort_keys=False)
        f.write('\n')
    print(f'wrote {OUT}: {len(types)} event types')


if __name__ == '__main__':
    main()
