"""What both halves of the simulator share: documents and their lines, errors, addresses, the scenario, packets, hops and the result of a trace."""
