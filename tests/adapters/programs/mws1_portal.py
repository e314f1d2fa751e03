# MicroWebSrv (v1) examples of seed 001 in one program: routes from handler tuples and
# decorators, variable routes, a posted form, WebSockets, .pyhtml pages, captive portal;
# the server runs in its own thread (the REPL stays free). Only the import line differs
# from the seed (the harness puts in a loopback address and a free port; files are in
# ./www, there is no /flash on a PC).
from mws2.adapters.microwebsrv import MicroWebSrv


def handlerFunc_1(httpClient, httpResponse, routeArgs=None):
    print("In HTTP handler 1")
    httpResponse.WriteResponseJSONOk({
        "server": httpClient.GetServer() is mws,
        "addr": list(httpClient.GetAddr()),
        "ip": httpClient.GetIPAddr(),
        "port": httpClient.GetPort(),
        "method": httpClient.GetRequestMethod(),
        "total": httpClient.GetRequestTotalPath(),
        "path": httpClient.GetRequestPath(),
        "query": httpClient.GetRequestQueryString(),
        "params": httpClient.GetRequestQueryParams(),
        "host": httpClient.GetRequestHeaders().get("Host"),
        "type": httpClient.GetRequestContentType(),
        "length": httpClient.GetRequestContentLength(),
        "json": httpClient.ReadRequestContentAsJSON(),
    })


def handlerFunc_2(httpClient, httpResponse, routeArgs=None):
    print("In HTTP handler 2")
    first = httpClient.ReadRequestContent(size=3)
    rest = httpClient.ReadRequestContent()
    httpResponse.WriteResponse(
        202, {"X-Handler": "2"}, "text/plain", "UTF-8", first + b"|" + rest
    )


def handlerFuncEdit(httpClient, httpResponse, routeArgs):
    print("In EDIT HTTP variable route :")
    print(" - testid   = %s" % routeArgs['testid'])
    print(" - testpath = %s" % routeArgs['testpath'])
    httpResponse.WriteResponseJSONOk(routeArgs)


routeHandlers = [
    ("/handler-1", "POST", handlerFunc_1),
    ("/handler-2", "PUT", handlerFunc_2),
    ("/edit/<testid>/<testpath>", "GET", handlerFuncEdit),
]


@MicroWebSrv.route('/get-test')
def handlerFuncGet(httpClient, httpResponse):
    print("In GET-TEST HTTP")
    httpResponse.WriteResponseOk(None, "text/plain", "UTF-8", "get-test ok")


@MicroWebSrv.route('/post-test', 'POST')
def handlerFuncPost(httpClient, httpResponse):
    print("In POST-TEST HTTP")
    _httpHandlerTestPost(httpClient, httpResponse)


@MicroWebSrv.route('/edit/<testid>')
def handlerFuncEditOne(httpClient, httpResponse, routeArgs):
    httpResponse.WriteResponseJSONOk(routeArgs)


def _httpHandlerTestPost(httpClient, httpResponse):
    formData = httpClient.ReadRequestPostedFormData()
    firstname = formData["firstname"]
    lastname = formData["lastname"]
    content = """\
  <!DOCTYPE html>
  <html>
    <head><meta charset="UTF-8" /><title>TEST POST</title></head>
    <body>
      <h1>TEST POST</h1>
      Firstname = %s<br />
      Lastname = %s<br />
    </body>
  </html>
  """ % (MicroWebSrv.HTMLEscape(firstname),
         MicroWebSrv.HTMLEscape(lastname))
    httpResponse.WriteResponseOk(headers=None,
                                 contentType="text/html",
                                 contentCharset="UTF-8",
                                 content=content)


@MicroWebSrv.route('/boom')
def handlerBoom(httpClient, httpResponse):
    print(1 / 0)


def _acceptWebSocketCallback(webSocket, httpClient):
    print("WS ACCEPT")
    webSocket.RecvTextCallback = _recvTextCallback
    webSocket.RecvBinaryCallback = _recvBinaryCallback
    webSocket.ClosedCallback = _closedCallback


def _recvTextCallback(webSocket, msg):
    print("WS RECV TEXT : %s" % msg)
    webSocket.SendText("Reply for %s" % msg)


def _recvBinaryCallback(webSocket, data):
    print("WS RECV DATA : %s" % data)
    webSocket.SendBinary(data)
    if data == b"bye":
        webSocket.Close()


def _closedCallback(webSocket):
    print("WS CLOSED %s" % webSocket.IsClosed())


mws = MicroWebSrv(routeHandlers=routeHandlers, webPath="www")
mws.MaxWebSocketRecvLen = 256                       # Default is set to 1024
mws.WebSocketThreaded = False                       # WebSockets without new threads
mws.AcceptWebSocketCallback = _acceptWebSocketCallback  # Function to receive WebSockets
# To intercept all not found queries and redirect it,
mws.SetNotFoundPageUrl("http://my-device.wifi")
mws.Start()                                         # Starts server in a new thread
