/** The MCP `instructions` every session gets: what the server is, how tools are named, where to start. */
export const INSTRUCTIONS =
  'mahavishnu runs production runbook actions: pools and workflows, backups and disaster recovery, ' +
  'health, adapters, secrets and users. Read-only tools are safe to call at any time; destructive tools ' +
  'accept dry_run: true to show their plan first. Naming: a CLI command is the tool whose name is its words ' +
  'joined by _ (`mahavishnu adapter restart main` is adapter_restart {"name":"main"}; flags are the input ' +
  'fields without dashes); runbook steps show the tool call beside the command, and steps marked "host only" ' +
  'need a person on the host. During an incident start with the prompt for it (high-error-rate, ' +
  'performance-degradation, outage, security-incident, data-corruption): it gathers the live facts and gives the runbook ' +
  'steps; mahavishnu://health and runbook://incident-response answer even while the state store is down.';
