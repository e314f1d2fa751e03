"""Temporary template folders for the portable pyhtml tests (MicroPython has no tempfile)."""

import os
import random
import time


class TemplateFolder:
    """A fresh folder under /tmp; ``write(path, text)`` creates files (and sub-folders)."""

    def __init__(self):
        self.root = "/tmp/pyhtml_test_%d_%d" % (time.time(), random.getrandbits(30))
        os.mkdir(self.root)
        self.files = []
        self.folders = [self.root]

    def write(self, path, text):
        parts = path.split("/")
        folder = self.root
        for part in parts[:-1]:
            folder = folder + "/" + part
            if folder not in self.folders:
                os.mkdir(folder)
                self.folders.append(folder)
        filename = self.root + "/" + path
        with open(filename, "w") as handle:
            handle.write(text)
        if filename not in self.files:
            self.files.append(filename)
        return filename

    def remove(self):
        for filename in self.files:
            os.remove(filename)
        for folder in reversed(self.folders):
            os.rmdir(folder)


def with_folder(test):
    """Run ``test(folder)`` with a fresh TemplateFolder, removed afterwards."""
    folder = TemplateFolder()
    try:
        test(folder)
    finally:
        folder.remove()
