import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HeraldClientError, RestApi } from "../src";

/** A real HTTP server answering what each test sets, and recording what it was asked. */
describe("RestApi against an HTTP server", () => {
  let server: Server;
  let baseUrl: string;
  let answer: { status: number; type: string; body: string };
  const asked: { method?: string; url?: string; authorization?: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      asked.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
      res.writeHead(answer.status, { "content-type": answer.type }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (asked.length = 0));

  const rest = () =>
    new RestApi(
      () => baseUrl,
      async () => "tok",
      (url, init) => fetch(url, init),
    );

  it("act posts to the notification's action, id and action id escaped, with the bearer token", async () => {
    answer = { status: 202, type: "application/json", body: "" };
    await rest().act(42, "approve");
    await rest().act(7, "a/b");
    expect(asked).toEqual([
      { method: "POST", url: "/api/v1/notifications/42/actions/approve", authorization: "Bearer tok" },
      { method: "POST", url: "/api/v1/notifications/7/actions/a%2Fb", authorization: "Bearer tok" },
    ]);
  });

  it("a 404 (a gateway without the endpoint, or not the caller's notification) is a HeraldClientError with the gateway's code", async () => {
    answer = {
      status: 404,
      type: "application/json",
      body: JSON.stringify({ error: { code: "not_found", message: "no route for POST /x" } }),
    };
    const error = await rest()
      .act(1, "approve")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HeraldClientError);
    expect(error).toMatchObject({ code: "not_found", status: 404, message: "no route for POST /x" });
  });

  it("an error page that is not JSON (a proxy's) still reports its status, not a SyntaxError", async () => {
    answer = { status: 502, type: "text/html", body: "<html>Bad Gateway</html>" };
    await expect(rest().markRead(3)).rejects.toMatchObject({
      code: "http_error",
      status: 502,
      message: "POST /api/v1/notifications/3/read answered 502",
    });
  });

  it("a success whose body is not JSON is an invalid_response, not a SyntaxError", async () => {
    answer = { status: 200, type: "text/html", body: "<html>login</html>" };
    await expect(rest().unreadCount()).rejects.toMatchObject({ code: "invalid_response", status: 200 });
  });
});
