/**
 * `tessera/framework/nestjs`: NestJS on its Express platform (@nestjs/platform-express). Nest's
 * request and response are Express objects, so everything here runs the Express adapter's
 * `middleware()`, `verifySession()` and `errorHandler()`; no auth logic here. See docs/nestjs.md.
 *
 * @example
 * @Module({ imports: [TesseraModule], controllers: [ExampleController] }) class AppModule {}
 * // in a controller: @UseGuards(new AuthGuard({ ... })) and @Session() session: SessionContainer
 */
import { Catch, createParamDecorator, Module, RequestMethod, type ArgumentsHost, type CanActivate, type ExecutionContext, type MiddlewareConsumer, type NestModule } from "@nestjs/common";
import { APP_FILTER, BaseExceptionFilter } from "@nestjs/core";
import type { Request, Response } from "express";
import { registerFrameworkWrapper } from "../../core/http.js";
import type { VerifySessionOptions } from "../../recipe/session/index.js";
import { errorHandler, middleware, verifySession, wrapRequest, wrapResponse, type SessionRequest } from "../express/index.js";

registerFrameworkWrapper("nestjs", { wrapRequest: (native) => wrapRequest(native as Request), wrapResponse: (native) => wrapResponse(native as Response) });

/**
 * A guard over `verifySession(options)`: `@UseGuards(new AuthGuard(options))`. When the session
 * passes, it sets `req.session` (read it with `@Session()`, ours or Nest's own) and lets the request
 * through. When it fails, the 401/403 has already been written by tessera, byte for byte what the
 * Express adapter sends (status, JSON body, cleared cookies, `front-token: remove`), and the
 * guard returns false: Nest then raises its ForbiddenException, and its exception filters see the
 * response is sent and only end it. Any error tessera does not own is rethrown to Nest.
 */
export class AuthGuard implements CanActivate {
  constructor(private readonly options?: VerifySessionOptions) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    let passed = false;
    let failure: { error: unknown } | undefined;
    await verifySession(this.options)(http.getRequest<Request>(), http.getResponse<Response>(), (error?: unknown) => {
      if (error === undefined) passed = true;
      else failure = { error };
    });
    if (failure) throw failure.error;
    return passed;
  }
}

/** Parameter decorator for the verified session (`req.session`); Nest's own `Session` from @nestjs/common reads the same. */
export const Session = createParamDecorator((_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<SessionRequest>().session);

/**
 * Global exception filter: answers tessera's errors thrown from controllers (e.g. `Session.getSession`,
 * `session.setClaimValue` on a revoked session) as 401/403/400/503, and hands every other error to
 * Nest's default handling. `TesseraModule` installs it; without the module, `app.useGlobalFilters(new
 * TesseraExceptionFilter(app.get(HttpAdapterHost).httpAdapter))`.
 */
export class TesseraExceptionFilter extends BaseExceptionFilter {
  override async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    if (!res.headersSent) await errorHandler()(exception, http.getRequest<Request>(), res, () => undefined);
    if (!res.headersSent) super.catch(exception, host);
    else if (!res.writableEnded) res.end();
  }
}
Catch()(TesseraExceptionFilter);

/**
 * `imports: [TesseraModule]`: mounts tessera's Express `middleware()` (it serves only paths under
 * `apiBasePath` and passes everything else on) and installs {@link TesseraExceptionFilter} globally.
 * Call `tessera.init(...)` before `NestFactory.create`.
 */
export class TesseraModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(middleware()).forRoutes({ path: "*path", method: RequestMethod.ALL });
  }
}
Module({ providers: [{ provide: APP_FILTER, useClass: TesseraExceptionFilter }] })(TesseraModule);
