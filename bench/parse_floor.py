"""The parse floor: compose every document of the given files and directories, nothing more.

PyYAML's libyaml composer (CSafeLoader) builds the node tree with line and column marks, which is
the least any linter that reports positions must do. run.py times this whole process, interpreter
start-up included, so it compares like for like with the linters.

    python bench/parse_floor.py PATH...
"""

import os
import sys


def yaml_files(path: str):
    """`path` itself, or the YAML files under it (not dot-files such as .ekslint.yaml), sorted."""
    if not os.path.isdir(path):
        yield path
        return
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".yaml", ".yml")) and not name.startswith("."):
                yield os.path.join(root, name)


def main(paths: list[str]) -> int:
    import yaml  # here, so that run.py can import yaml_files without PyYAML

    documents = 0
    for path in paths:
        for name in yaml_files(path):
            with open(name, "rb") as stream:
                data = stream.read()
            for _node in yaml.compose_all(data, Loader=yaml.CSafeLoader):
                documents += 1
    print(f"{documents} documents")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
