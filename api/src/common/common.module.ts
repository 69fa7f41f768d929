import { Global, Module } from '@nestjs/common';
import { ClockRepository } from './clock/clock.repository.js';
import { CryptoRepository } from './crypto/crypto.repository.js';

/** Repositories every capability uses: the clock and cryptography. */
@Global()
@Module({ providers: [ClockRepository, CryptoRepository], exports: [ClockRepository, CryptoRepository] })
export class CommonModule {}
