/** Help texts of the netcheck CLI, one per command. */
export const USAGE = {
  main: `netcheck — static network reachability verifier for CloudFormation (JSON/YAML, SAM, CDK synth output)

Usage:
  netcheck check FILE|DIR… [--format text|json|markdown] [--param K=V]…
  netcheck path FILE|DIR… --from A --to B --port N [--protocol tcp|udp] [--format text|json] [--param K=V]…
  netcheck matrix FILE|DIR… [--format markdown|mermaid|json] [--param K=V]…
  netcheck COMMAND --help

A directory (e.g. cdk.out) means all its *.template.json files, checked as one network.
Exit codes: check 0 = no error findings, 1 = error findings; path 0 = reachable, 1 = unreachable,
3 = unknown; 2 = bad usage or unreadable input.
`,
  check: `netcheck check FILE|DIR… [--format text|json|markdown] [--param K=V]…

Runs every rule and computes the traffic matrix.
  --format   text (default), json ({findings, matrix}) or markdown
  --param    parameter value, repeatable (also pseudo parameters, e.g. AWS::Region=eu-west-1)
Exit: 0 no error findings, 1 error findings, 2 unreadable input or bad flags.
`,
  path: `netcheck path FILE|DIR… --from A --to B --port N [--protocol tcp|udp] [--format text|json] [--param K=V]…

Explains whether A reaches B, hop by hop (route tables, NAT/IGW, NACLs, security groups).
  --from, --to  a logical id (Lambda, ECS service, instance, ASG, load balancer, database),
                internet, or an IPv4 address; --to also accepts aws:<service> (e.g. aws:ses)
  --port        destination port (required)
  --protocol    tcp (default) or udp
  --format      text (default) or json ({reachable, path, blockedAt})
Exit: 0 reachable, 1 unreachable, 3 unknown, 2 bad usage or unreadable input.
`,
  matrix: `netcheck matrix FILE|DIR… [--format markdown|mermaid|json] [--param K=V]…

Prints the traffic matrix: every compute resource × {internet, each database, each other compute
resource} on their relevant ports.
  --format   markdown (default) table, mermaid network diagram, or json
Exit: 0, or 2 for bad usage or unreadable input.
`,
} as const;
