"""The Docker half of the simulator: DockerHost documents, docker commands, bridges, publishing, embedded DNS, dockerd's rules."""
