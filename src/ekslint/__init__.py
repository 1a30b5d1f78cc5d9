"""ekslint: catch EKS image-pull failures in Kubernetes manifests before they deploy."""

__version__ = "0.1.0"
