"""The Kubernetes half of the simulator: kinds, kube-proxy (iptables mode), CNI bridge + portmap, flannel, cluster DNS."""
