# MicroWebSrv (v1), seed 001: Start(threaded=False) serves in the calling thread until
# Stop(); the handlers write files, attachments, JSON errors and redirects. Only the
# import line differs from the seed (the harness puts in a loopback address and a free
# port; files are in ./www).
from mws2.adapters.microwebsrv import MicroWebSrv

mws = MicroWebSrv(webPath="www")


@MicroWebSrv.route('/file')
def handlerFile(httpClient, httpResponse):
    httpResponse.WriteResponseFile("www/data.csv", contentType="text/csv", headers={"X-F": "1"})


@MicroWebSrv.route('/attachment')
def handlerAttachment(httpClient, httpResponse):
    httpResponse.WriteResponseFileAttachment("www/data.csv", "report.csv")


@MicroWebSrv.route('/missing-file')
def handlerMissing(httpClient, httpResponse):
    ok = httpResponse.WriteResponseFile("www/none.csv")
    print("missing file answered:", ok)


@MicroWebSrv.route('/page')
def handlerPage(httpClient, httpResponse):
    httpResponse.WriteResponsePyHTMLFile("www/test.pyhtml", headers={"X-Page": "1"})


@MicroWebSrv.route('/json-error')
def handlerJSONError(httpClient, httpResponse):
    httpResponse.WriteResponseJSONError(409, {"error": "conflict"})


@MicroWebSrv.route('/redirect')
def handlerRedirect(httpClient, httpResponse):
    httpResponse.WriteResponseRedirect("/get-it")


@MicroWebSrv.route('/errors/<code>')
def handlerErrors(httpClient, httpResponse, routeArgs):
    write = {
        400: httpResponse.WriteResponseBadRequest,
        403: httpResponse.WriteResponseForbidden,
        404: httpResponse.WriteResponseNotFound,
        405: httpResponse.WriteResponseMethodNotAllowed,
        500: httpResponse.WriteResponseInternalServerError,
        501: httpResponse.WriteResponseNotImplemented,
    }.get(routeArgs['code'])
    if write is not None:
        write()
    else:
        httpResponse.WriteResponseError(routeArgs['code'])


@MicroWebSrv.route('/mime')
def handlerMime(httpClient, httpResponse):
    httpResponse.WriteResponseJSONOk({
        "css": mws.GetMimeTypeFromFilename("a.CSS"),
        "none": mws.GetMimeTypeFromFilename("a.unknown"),
        "route": mws.GetRouteHandler("/errors/7", "GET")[1],
        "started": mws.IsStarted(),
    })


@MicroWebSrv.route('/stop')
def handlerStop(httpClient, httpResponse):
    httpResponse.WriteResponseOk(None, "text/plain", None, "stopping")
    mws.Stop()


mws.Start(threaded=False)
print("STOPPED", mws.IsStarted())
