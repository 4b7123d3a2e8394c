/**
 * The conformance routes as a NestJS application on its Express platform: `imports: [TesseraModule]`
 * (tessera's middleware + exception filter), routes guarded with `@UseGuards(new AuthGuard(...))`,
 * the session read with Nest's own `@Session()` (from @nestjs/common) and with tessera's.
 * Compiled with decorators by loopback.transpile.ts; tessera's values are passed in
 * (`TesseraForApp`) so the app runs on the instance the test initialised.
 */
import { Body, Controller, Get, HttpCode, Module, Post, Req, Res, Session, UseGuards, type Type } from "@nestjs/common";
import { NestFactory } from "@nestjs/core";
import type { Request, Response } from "express";
import type { AuthGuard as Guard, Session as TesseraSessionDecorator, TesseraModule as Mod } from "../../src/framework/nestjs/index.js";
import type SessionModule from "../../src/recipe/session/index.js";
import type { SessionContainer } from "../../src/recipe/session/index.js";
import type { BooleanClaim } from "../../src/recipe/session/claims/index.js";

export interface TesseraForApp {
  AuthGuard: typeof Guard;
  TesseraSession: typeof TesseraSessionDecorator;
  TesseraModule: typeof Mod;
  SessionRecipe: typeof SessionModule;
  SecondFactorClaim: BooleanClaim;
  /** More controllers to mount (e.g. the seed sample's ExampleController). */
  controllers?: Type[];
}

export async function startNestApp({ AuthGuard, TesseraSession, TesseraModule, SessionRecipe, SecondFactorClaim, controllers = [] }: TesseraForApp) {
  @Controller()
  class ConformanceController {
    @Post("login")
    @HttpCode(200)
    async login(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Body() body: { userId: string }) {
      const session = await SessionRecipe.createNewSession(req, res, "public", String(body.userId));
      return { handle: session.getHandle() };
    }

    @Post("like-comment")
    @HttpCode(200)
    @UseGuards(
      new AuthGuard({
        overrideGlobalClaimValidators: (globalValidators) => [...globalValidators, SecondFactorClaim.validators.hasValue(true)],
      }),
    )
    likeComment(@Session() session: SessionContainer) {
      return { userId: session.getUserId() };
    }

    @Post("complete")
    @HttpCode(200)
    @UseGuards(new AuthGuard())
    async complete(@TesseraSession() session: SessionContainer) {
      await session.setClaimValue(SecondFactorClaim, true);
      return {};
    }

    @Get("optional")
    @UseGuards(new AuthGuard({ sessionRequired: false }))
    optional(@TesseraSession() session: SessionContainer | undefined) {
      return { userId: session?.getUserId() ?? null };
    }

    @Get("protected")
    @UseGuards(new AuthGuard())
    protectedRoute(@Session() session: SessionContainer) {
      return { userId: session.getUserId() };
    }

    /** No guard: the handler asks for the session itself; a failure reaches TesseraModule's exception filter. */
    @Get("in-handler")
    async inHandler(@Req() req: Request, @Res({ passthrough: true }) res: Response) {
      const session = await SessionRecipe.getSession(req, res);
      return { userId: session!.getUserId() };
    }

    /** An error tessera does not own still gets Nest's own answer. */
    @Get("boom")
    boom() {
      throw new Error("not tessera's");
    }
  }

  @Module({ imports: [TesseraModule], controllers: [ConformanceController, ...controllers] })
  class AppModule {}

  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, "127.0.0.1");
  return {
    url: (await app.getUrl()).replace("[::1]", "127.0.0.1").replace(/\/$/, ""),
    close: () => app.close(),
  };
}
