"""multipart/form-data for handlers: ``await request.ReadMultipartForm(saveTo=...)``.

Loaded only by a handler that reads such a form. The content goes through
httpcore_micro's incremental parser piece by piece as it arrives (a route registered with
``streamContent=True``; a buffered content is parsed the same way): each file part is
written to a file under ``saveTo`` as its pieces come, so a firmware image uploaded to a
board never sits in memory; fields become str values. Limits: ``maxFileSize`` per file
and ``maxFieldSize`` per field (413 beyond); the parser's own bounds (part headers,
number of parts) and any malformed body give 400. The error raised carries its status
(``status_code``): mws2 answers it if the handler does not catch it.
"""

import os

from httpcore_micro.multipart import (
    BODY_END,
    NEED_DATA,
    PART_END,
    MultipartError,
    MultipartParser,
    Part,
    boundary_from_content_type,
)

# A field's value is held in memory: a small bound by default.
MAX_FIELD_SIZE = 8 * 1024


class FormError(Exception):
    """A form the server cannot take: ``status_code`` is the answer (400, 413, 415)."""

    def __init__(self, message, status_code=400):
        super().__init__(message)
        self.status_code = status_code


class UploadedFile:
    """A file part of a form, written to ``Path`` (None if it was not kept)."""

    def __init__(self, name, filename, contentType, path):
        self.Name = name
        self.FileName = filename
        self.ContentType = contentType
        self.Path = path
        self.Size = 0

    def __repr__(self):
        return "<UploadedFile %s (%d bytes) -> %s>" % (self.FileName, self.Size, self.Path)


def safe_file_name(filename):
    """The last segment of a client's file name, without anything that could climb out
    of the folder or mean something to a filesystem ("upload" if nothing is left)."""
    name = filename.replace("\\", "/").split("/")[-1]
    name = "".join([c for c in name if c >= " " and c not in ':*?"<>|'])
    name = name.strip(" .")
    return name or "upload"


class FormReader:
    """Turns the parser's events into the form: fields, and files written as they come."""

    def __init__(self, boundary, saveTo, maxFileSize, maxFieldSize):
        self.parser = MultipartParser(boundary)
        self.save_to = saveTo
        self.max_file = maxFileSize
        self.max_field = maxFieldSize
        self.form = {}
        self.part = None
        self.value = None  # bytearray of the field being read
        self.upload = None  # UploadedFile being written
        self.out = None  # its open file

    def feed(self, data):
        """Take one piece of the content (b"" at its end); True once the form is read."""
        parser = self.parser
        parser.receive_data(data)
        while True:
            event = parser.next_event()
            if event is NEED_DATA:
                return False
            if event is BODY_END:
                return True
            if event is PART_END:
                self._end_part()
            elif isinstance(event, Part):
                self._start_part(event)
            else:
                self._data(event.data)

    def _start_part(self, part):
        self.part = part
        if part.filename is None:
            self.value = bytearray()
            return
        path = None
        if self.save_to is not None and part.filename:
            path = self.save_to.rstrip("/") + "/" + safe_file_name(part.filename)
            self.out = open(path, "wb")
        self.upload = UploadedFile(part.name, part.filename, part.content_type, path)

    def _data(self, data):
        if self.upload is None:
            self.value += data
            if self.max_field is not None and len(self.value) > self.max_field:
                raise FormError("field %s over %d bytes" % (self.part.name, self.max_field), 413)
            return
        upload = self.upload
        upload.Size += len(data)
        if self.max_file is not None and upload.Size > self.max_file:
            raise FormError("file %s over %d bytes" % (upload.FileName, self.max_file), 413)
        if self.out is not None:
            self.out.write(data)

    def _end_part(self):
        name = self.part.name
        if self.upload is not None:
            self._close_file()
            self.form[name] = self.upload
            self.upload = None
        else:
            self.form[name] = bytes(self.value).decode()
            self.value = None

    def _close_file(self):
        out, self.out = self.out, None
        if out is not None:
            out.close()

    def abandon(self):
        """The form failed: the file being written is closed and removed."""
        upload = self.upload
        self._close_file()
        if upload is not None and upload.Path:
            try:
                os.remove(upload.Path)
            except OSError:
                pass


def reader_for(request, saveTo, maxFileSize, maxFieldSize):
    ctype = request.GetHeader("Content-Type")
    try:
        boundary = boundary_from_content_type(ctype)
    except MultipartError as exc:
        raise FormError(str(exc)) from None
    if boundary is None:
        raise FormError("the content is not multipart/form-data", 415)
    return FormReader(boundary, saveTo, maxFileSize, maxFieldSize)


async def read_form(request, saveTo, maxFileSize, maxFieldSize):
    reader = reader_for(request, saveTo, maxFileSize, maxFieldSize)
    try:
        while True:
            chunk = await request.ReadContentChunk()
            if reader.feed(chunk):
                return reader.form
            if not chunk:
                raise FormError("the form ends early")
    except MultipartError as exc:
        reader.abandon()
        raise FormError(str(exc)) from None
    except BaseException:
        reader.abandon()
        raise


def parse_form(request, content, saveTo, maxFileSize, maxFieldSize):
    """The same, from a content already read (a route that does not stream)."""
    reader = reader_for(request, saveTo, maxFileSize, maxFieldSize)
    try:
        if reader.feed(bytes(content or b"")) or reader.feed(b""):
            return reader.form
        raise FormError("the form ends early")
    except MultipartError as exc:
        reader.abandon()
        raise FormError(str(exc)) from None
    except BaseException:
        reader.abandon()
        raise
