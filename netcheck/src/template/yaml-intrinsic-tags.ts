import type { CollectionTag, ScalarTag } from 'yaml';

/** Short-form intrinsic function tags (`!Ref`, `!Sub`, …) mapped to their long-form key. */
const SHORT_FORMS: Readonly<Record<string, string>> = {
  Ref: 'Ref',
  Condition: 'Condition',
  Sub: 'Fn::Sub',
  GetAtt: 'Fn::GetAtt',
  Select: 'Fn::Select',
  GetAZs: 'Fn::GetAZs',
  If: 'Fn::If',
  Join: 'Fn::Join',
  Split: 'Fn::Split',
  FindInMap: 'Fn::FindInMap',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  ImportValue: 'Fn::ImportValue',
  Cidr: 'Fn::Cidr',
  Base64: 'Fn::Base64',
  Transform: 'Fn::Transform',
  Length: 'Fn::Length',
  ToJsonString: 'Fn::ToJsonString',
  ForEach: 'Fn::ForEach',
};

function longForm(name: string, key: string, value: unknown): Record<string, unknown> {
  // `!GetAtt Res.Attr` is the dotted scalar form of the two-element list.
  if (name === 'GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [key]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [key]: value };
}

/**
 * yaml custom tags that turn CloudFormation short-form intrinsics into the same long-form JSON
 * objects a JSON template would contain, so the resolver sees one representation.
 */
export function cloudFormationYamlTags(): Array<ScalarTag | CollectionTag> {
  const tags: Array<ScalarTag | CollectionTag> = [];
  for (const [name, key] of Object.entries(SHORT_FORMS)) {
    const tag = `!${name}`;
    tags.push({ tag, resolve: (value: string) => longForm(name, key, value) });
    for (const collection of ['seq', 'map'] as const) {
      tags.push({
        tag,
        collection,
        resolve: (node) => longForm(name, key, node.toJSON()),
      });
    }
  }
  return tags;
}
